//! The static table of real Chinese places the demo uses.
//!
//! Provinces, cities and districts/counties carry their GB/T 2260 administrative codes.
//! Townships (`T` lines) are real towns, but their codes are demo codes (`<county code>-NN`,
//! numbered in table order), not the official 9-digit statistical codes.
//!
//! Line format (fields separated by `|`, `#` starts a comment line):
//!
//! ```text
//! P|code|name_zh|name_en|ISO 3166-2 suffix|service area (north, east, south, southwest, northwest, northeast)
//! C|code|name_zh|name_en|short name for shop names|phone area code|local number digits[|tier]
//! D|code|name_zh|name_en[|tier]
//! T|name_zh|name_en[|tier]            (a township of the preceding D line)
//! ```
//!
//! Tiers are `U` (urban), `T` (township) and `R` (remote). When omitted: provinces and cities
//! are urban; a district (区) is urban and a county, banner or county-level city is township;
//! a township is township, or remote under a remote county. Remote counties are marked
//! explicitly: far counties of Xinjiang, Tibet, Qinghai, Inner Mongolia, western Sichuan,
//! Gansu, the Yunnan and Guizhou mountains, and the far north-east.
//!
//! Municipalities have one city line named like the municipality (Chongqing's counties,
//! 5002xx, sit under it too), and Hainan's province-administered county-level units sit under
//! GB/T 2260's 469000 "省直辖县级行政区划".

/// The region table; parsed by `regions::Atlas::parse`.
pub const TABLE: &str = r#"
P|110000|北京市|Beijing|BJ|north
C|110100|北京市|Beijing|北京|010|8
D|110101|东城区|Dongcheng
D|110102|西城区|Xicheng
D|110105|朝阳区|Chaoyang
D|110106|丰台区|Fengtai
D|110107|石景山区|Shijingshan
D|110108|海淀区|Haidian
D|110112|通州区|Tongzhou
D|110113|顺义区|Shunyi
D|110114|昌平区|Changping
D|110115|大兴区|Daxing
D|110116|怀柔区|Huairou|T
D|110117|平谷区|Pinggu|T
D|110118|密云区|Miyun|T
D|110119|延庆区|Yanqing|T

P|120000|天津市|Tianjin|TJ|north
C|120100|天津市|Tianjin|天津|022|8
D|120101|和平区|Heping
D|120102|河东区|Hedong
D|120103|河西区|Hexi
D|120104|南开区|Nankai
D|120105|河北区|Hebei
D|120106|红桥区|Hongqiao
D|120110|东丽区|Dongli
D|120111|西青区|Xiqing
D|120113|北辰区|Beichen
D|120116|滨海新区|Binhai New Area
D|120114|武清区|Wuqing|T
D|120117|宁河区|Ninghe|T
D|120118|静海区|Jinghai|T
D|120119|蓟州区|Jizhou|T

P|130000|河北省|Hebei|HE|north
C|130100|石家庄市|Shijiazhuang|石家庄|0311|8
D|130102|长安区|Chang'an
D|130104|桥西区|Qiaoxi
D|130105|新华区|Xinhua
D|130108|裕华区|Yuhua
D|130109|藁城区|Gaocheng
D|130110|鹿泉区|Luquan
D|130123|正定县|Zhengding
D|130131|平山县|Pingshan
D|130133|赵县|Zhao County
D|130181|辛集市|Xinji
C|130200|唐山市|Tangshan|唐山|0315|7
D|130202|路南区|Lunan
D|130203|路北区|Lubei
D|130207|丰南区|Fengnan
D|130208|丰润区|Fengrun
D|130209|曹妃甸区|Caofeidian
D|130225|乐亭县|Laoting
D|130281|遵化市|Zunhua
D|130283|迁安市|Qian'an
C|130600|保定市|Baoding|保定|0312|7
D|130602|竞秀区|Jingxiu
D|130606|莲池区|Lianchi
D|130609|徐水区|Xushui
D|130624|阜平县|Fuping
D|130630|涞源县|Laiyuan
D|130681|涿州市|Zhuozhou
D|130682|定州市|Dingzhou
D|130684|高碑店市|Gaobeidian
C|130700|张家口市|Zhangjiakou|张家口|0313|7
D|130702|桥东区|Qiaodong
D|130703|桥西区|Qiaoxi
D|130705|宣化区|Xuanhua
D|130709|崇礼区|Chongli|T
D|130722|张北县|Zhangbei
D|130723|康保县|Kangbao|R
D|130724|沽源县|Guyuan|R
D|130725|尚义县|Shangyi|R

P|140000|山西省|Shanxi|SX|north
C|140100|太原市|Taiyuan|太原|0351|7
D|140105|小店区|Xiaodian
D|140106|迎泽区|Yingze
D|140107|杏花岭区|Xinghualing
D|140108|尖草坪区|Jiancaoping
D|140109|万柏林区|Wanbailin
D|140110|晋源区|Jinyuan
D|140121|清徐县|Qingxu
D|140123|娄烦县|Loufan
D|140181|古交市|Gujiao
C|140200|大同市|Datong|大同|0352|7
D|140213|平城区|Pingcheng
D|140214|云冈区|Yungang
D|140215|云州区|Yunzhou|T
D|140221|阳高县|Yanggao
D|140222|天镇县|Tianzhen
D|140224|灵丘县|Lingqiu
D|140225|浑源县|Hunyuan

P|150000|内蒙古自治区|Inner Mongolia|NM|north
C|150100|呼和浩特市|Hohhot|呼和浩特|0471|7
D|150102|新城区|Xincheng
D|150103|回民区|Huimin
D|150104|玉泉区|Yuquan
D|150105|赛罕区|Saihan
D|150121|土默特左旗|Tumed Left Banner
D|150122|托克托县|Togtoh
D|150125|武川县|Wuchuan
C|150200|包头市|Baotou|包头|0472|7
D|150202|东河区|Donghe
D|150203|昆都仑区|Kundulun
D|150204|青山区|Qingshan
D|150207|九原区|Jiuyuan
D|150206|白云鄂博矿区|Bayan Obo Mining District|R
D|150222|固阳县|Guyang
D|150223|达尔罕茂明安联合旗|Darhan Muminggan United Banner|R
C|150600|鄂尔多斯市|Ordos|鄂尔多斯|0477|7
D|150602|东胜区|Dongsheng
D|150603|康巴什区|Kangbashi
D|150621|达拉特旗|Dalad Banner
D|150622|准格尔旗|Jungar Banner
D|150627|伊金霍洛旗|Ejin Horo Banner
D|150624|鄂托克旗|Otog Banner|R
D|150625|杭锦旗|Hanggin Banner|R
C|150700|呼伦贝尔市|Hulunbuir|呼伦贝尔|0470|7
D|150702|海拉尔区|Hailar
D|150703|扎赉诺尔区|Jalainur|T
D|150781|满洲里市|Manzhouli
D|150782|牙克石市|Yakeshi
D|150783|扎兰屯市|Zalantun
D|150784|额尔古纳市|Ergun|R
D|150785|根河市|Genhe|R
D|150723|鄂伦春自治旗|Oroqen Autonomous Banner|R
D|150726|新巴尔虎左旗|New Barag Left Banner|R
D|150727|新巴尔虎右旗|New Barag Right Banner|R
C|152500|锡林郭勒盟|Xilingol League|锡林郭勒|0479|7
D|152502|锡林浩特市|Xilinhot
D|152501|二连浩特市|Erenhot|R
D|152522|阿巴嘎旗|Abag Banner|R
D|152525|东乌珠穆沁旗|East Ujimqin Banner|R
D|152526|西乌珠穆沁旗|West Ujimqin Banner|R
D|152531|多伦县|Duolun
C|152900|阿拉善盟|Alxa League|阿拉善|0483|7|T
D|152921|阿拉善左旗|Alxa Left Banner
D|152922|阿拉善右旗|Alxa Right Banner|R
D|152923|额济纳旗|Ejin Banner|R

P|210000|辽宁省|Liaoning|LN|northeast
C|210100|沈阳市|Shenyang|沈阳|024|8
D|210102|和平区|Heping
D|210103|沈河区|Shenhe
D|210104|大东区|Dadong
D|210105|皇姑区|Huanggu
D|210106|铁西区|Tiexi
D|210112|浑南区|Hunnan
D|210113|沈北新区|Shenbei New Area
D|210114|于洪区|Yuhong
D|210115|辽中区|Liaozhong|T
D|210123|康平县|Kangping
D|210124|法库县|Faku
D|210181|新民市|Xinmin
C|210200|大连市|Dalian|大连|0411|8
D|210202|中山区|Zhongshan
D|210203|西岗区|Xigang
D|210204|沙河口区|Shahekou
D|210211|甘井子区|Ganjingzi
D|210212|旅顺口区|Lüshunkou
D|210213|金州区|Jinzhou
D|210224|长海县|Changhai|R
D|210281|瓦房店市|Wafangdian
D|210283|庄河市|Zhuanghe
C|210600|丹东市|Dandong|丹东|0415|7
D|210602|元宝区|Yuanbao
D|210603|振兴区|Zhenxing
D|210604|振安区|Zhen'an
D|210624|宽甸满族自治县|Kuandian Manchu Autonomous County
D|210681|东港市|Donggang
D|210682|凤城市|Fengcheng

P|220000|吉林省|Jilin|JL|northeast
C|220100|长春市|Changchun|长春|0431|8
D|220102|南关区|Nanguan
D|220103|宽城区|Kuancheng
D|220104|朝阳区|Chaoyang
D|220105|二道区|Erdao
D|220106|绿园区|Lüyuan
D|220112|双阳区|Shuangyang|T
D|220113|九台区|Jiutai|T
D|220122|农安县|Nong'an
D|220182|榆树市|Yushu
D|220183|德惠市|Dehui
C|222400|延边朝鲜族自治州|Yanbian Korean Autonomous Prefecture|延边|0433|7
D|222401|延吉市|Yanji|U
D|222402|图们市|Tumen
D|222403|敦化市|Dunhua
D|222404|珲春市|Hunchun
D|222405|龙井市|Longjing
D|222406|和龙市|Helong
D|222424|汪清县|Wangqing|R
D|222426|安图县|Antu

P|230000|黑龙江省|Heilongjiang|HL|northeast
C|230100|哈尔滨市|Harbin|哈尔滨|0451|8
D|230102|道里区|Daoli
D|230103|南岗区|Nangang
D|230104|道外区|Daowai
D|230108|平房区|Pingfang
D|230109|松北区|Songbei
D|230110|香坊区|Xiangfang
D|230111|呼兰区|Hulan|T
D|230112|阿城区|Acheng|T
D|230113|双城区|Shuangcheng|T
D|230123|依兰县|Yilan
D|230124|方正县|Fangzheng
D|230125|宾县|Bin County
D|230183|尚志市|Shangzhi
D|230184|五常市|Wuchang
C|230200|齐齐哈尔市|Qiqihar|齐齐哈尔|0452|7
D|230202|龙沙区|Longsha
D|230203|建华区|Jianhua
D|230204|铁锋区|Tiefeng
D|230205|昂昂溪区|Ang'angxi
D|230206|富拉尔基区|Fularji
D|230221|龙江县|Longjiang
D|230281|讷河市|Nehe
C|231100|黑河市|Heihe|黑河|0456|7
D|231102|爱辉区|Aihui|T
D|231123|逊克县|Xunke|R
D|231124|孙吴县|Sunwu|R
D|231181|北安市|Bei'an
D|231182|五大连池市|Wudalianchi
D|231183|嫩江市|Nenjiang
C|232700|大兴安岭地区|Da Hinggan Ling Prefecture|大兴安岭|0457|7|R
D|232701|漠河市|Mohe|R
D|232721|呼玛县|Huma|R
D|232722|塔河县|Tahe|R

P|310000|上海市|Shanghai|SH|east
C|310100|上海市|Shanghai|上海|021|8
D|310101|黄浦区|Huangpu
D|310104|徐汇区|Xuhui
D|310105|长宁区|Changning
D|310106|静安区|Jing'an
D|310107|普陀区|Putuo
D|310109|虹口区|Hongkou
D|310110|杨浦区|Yangpu
D|310112|闵行区|Minhang
D|310113|宝山区|Baoshan
D|310114|嘉定区|Jiading
D|310115|浦东新区|Pudong New Area
D|310116|金山区|Jinshan|T
D|310117|松江区|Songjiang
D|310118|青浦区|Qingpu
T|朱家角镇|Zhujiajiao
T|金泽镇|Jinze
D|310120|奉贤区|Fengxian
D|310151|崇明区|Chongming|T
T|城桥镇|Chengqiao
T|堡镇|Baozhen
T|陈家镇|Chenjia

P|320000|江苏省|Jiangsu|JS|east
C|320100|南京市|Nanjing|南京|025|8
D|320102|玄武区|Xuanwu
D|320104|秦淮区|Qinhuai
D|320105|建邺区|Jianye
D|320106|鼓楼区|Gulou
D|320111|浦口区|Pukou
D|320113|栖霞区|Qixia
D|320114|雨花台区|Yuhuatai
D|320115|江宁区|Jiangning
D|320116|六合区|Luhe
D|320117|溧水区|Lishui|T
D|320118|高淳区|Gaochun|T
C|320200|无锡市|Wuxi|无锡|0510|8
D|320205|锡山区|Xishan
D|320206|惠山区|Huishan
D|320211|滨湖区|Binhu
D|320213|梁溪区|Liangxi
D|320214|新吴区|Xinwu
D|320281|江阴市|Jiangyin
D|320282|宜兴市|Yixing
C|320300|徐州市|Xuzhou|徐州|0516|8
D|320302|鼓楼区|Gulou
D|320303|云龙区|Yunlong
D|320305|贾汪区|Jiawang
D|320311|泉山区|Quanshan
D|320312|铜山区|Tongshan
D|320321|丰县|Feng County
D|320322|沛县|Pei County
D|320324|睢宁县|Suining
D|320381|新沂市|Xinyi
D|320382|邳州市|Pizhou
C|320500|苏州市|Suzhou|苏州|0512|8
D|320505|虎丘区|Huqiu
D|320506|吴中区|Wuzhong
D|320507|相城区|Xiangcheng
D|320508|姑苏区|Gusu
D|320509|吴江区|Wujiang
T|震泽镇|Zhenze
T|同里镇|Tongli
T|七都镇|Qidu
D|320581|常熟市|Changshu
D|320582|张家港市|Zhangjiagang
D|320583|昆山市|Kunshan
T|周庄镇|Zhouzhuang
T|千灯镇|Qiandeng
T|锦溪镇|Jinxi
D|320585|太仓市|Taicang

P|330000|浙江省|Zhejiang|ZJ|east
C|330100|杭州市|Hangzhou|杭州|0571|8
D|330102|上城区|Shangcheng
D|330105|拱墅区|Gongshu
D|330106|西湖区|Xihu
D|330108|滨江区|Binjiang
D|330109|萧山区|Xiaoshan
D|330110|余杭区|Yuhang
D|330113|临平区|Linping
D|330114|钱塘区|Qiantang
D|330111|富阳区|Fuyang|T
D|330112|临安区|Lin'an|T
D|330122|桐庐县|Tonglu
D|330127|淳安县|Chun'an
D|330182|建德市|Jiande
C|330200|宁波市|Ningbo|宁波|0574|8
D|330203|海曙区|Haishu
D|330205|江北区|Jiangbei
D|330206|北仑区|Beilun
D|330211|镇海区|Zhenhai
D|330212|鄞州区|Yinzhou
D|330213|奉化区|Fenghua
D|330225|象山县|Xiangshan
D|330226|宁海县|Ninghai
D|330281|余姚市|Yuyao
D|330282|慈溪市|Cixi
C|330300|温州市|Wenzhou|温州|0577|8
D|330302|鹿城区|Lucheng
D|330303|龙湾区|Longwan
D|330304|瓯海区|Ouhai
D|330305|洞头区|Dongtou|T
D|330324|永嘉县|Yongjia
D|330328|文成县|Wencheng
D|330329|泰顺县|Taishun
D|330381|瑞安市|Rui'an
D|330382|乐清市|Yueqing
T|柳市镇|Liushi
T|虹桥镇|Hongqiao
C|331100|丽水市|Lishui|丽水|0578|7
D|331102|莲都区|Liandu
D|331121|青田县|Qingtian
D|331122|缙云县|Jinyun
D|331123|遂昌县|Suichang
D|331126|庆元县|Qingyuan
D|331127|景宁畲族自治县|Jingning She Autonomous County
D|331181|龙泉市|Longquan

P|340000|安徽省|Anhui|AH|east
C|340100|合肥市|Hefei|合肥|0551|8
D|340102|瑶海区|Yaohai
D|340103|庐阳区|Luyang
D|340104|蜀山区|Shushan
D|340111|包河区|Baohe
D|340121|长丰县|Changfeng
D|340122|肥东县|Feidong
D|340123|肥西县|Feixi
D|340124|庐江县|Lujiang
D|340181|巢湖市|Chaohu
C|341000|黄山市|Huangshan|黄山|0559|7
D|341002|屯溪区|Tunxi
D|341003|黄山区|Huangshan District|T
D|341004|徽州区|Huizhou
D|341021|歙县|She County
D|341022|休宁县|Xiuning
D|341023|黟县|Yi County
D|341024|祁门县|Qimen
C|341200|阜阳市|Fuyang|阜阳|0558|7
D|341202|颍州区|Yingzhou
D|341203|颍东区|Yingdong
D|341204|颍泉区|Yingquan
D|341221|临泉县|Linquan
D|341222|太和县|Taihe
D|341225|阜南县|Funan
D|341226|颍上县|Yingshang
D|341282|界首市|Jieshou

P|350000|福建省|Fujian|FJ|east
C|350100|福州市|Fuzhou|福州|0591|8
D|350102|鼓楼区|Gulou
D|350103|台江区|Taijiang
D|350104|仓山区|Cangshan
D|350105|马尾区|Mawei
D|350111|晋安区|Jin'an
D|350112|长乐区|Changle
D|350121|闽侯县|Minhou
D|350122|连江县|Lianjiang
D|350125|永泰县|Yongtai
D|350181|福清市|Fuqing
C|350200|厦门市|Xiamen|厦门|0592|7
D|350203|思明区|Siming
D|350205|海沧区|Haicang
D|350206|湖里区|Huli
D|350211|集美区|Jimei
D|350212|同安区|Tong'an
D|350213|翔安区|Xiang'an
C|350500|泉州市|Quanzhou|泉州|0595|8
D|350502|鲤城区|Licheng
D|350503|丰泽区|Fengze
D|350504|洛江区|Luojiang
D|350505|泉港区|Quangang
D|350521|惠安县|Hui'an
D|350524|安溪县|Anxi
D|350526|德化县|Dehua
D|350581|石狮市|Shishi
D|350582|晋江市|Jinjiang
T|安海镇|Anhai
T|磁灶镇|Cizao
T|陈埭镇|Chendai
D|350583|南安市|Nan'an

P|360000|江西省|Jiangxi|JX|east
C|360100|南昌市|Nanchang|南昌|0791|8
D|360102|东湖区|Donghu
D|360103|西湖区|Xihu
D|360104|青云谱区|Qingyunpu
D|360111|青山湖区|Qingshanhu
D|360112|新建区|Xinjian
D|360113|红谷滩区|Honggutan
D|360121|南昌县|Nanchang County
D|360123|安义县|Anyi
D|360124|进贤县|Jinxian
C|360700|赣州市|Ganzhou|赣州|0797|7
D|360702|章贡区|Zhanggong
D|360703|南康区|Nankang
D|360704|赣县区|Ganxian|T
D|360722|信丰县|Xinfeng
D|360730|宁都县|Ningdu
D|360731|于都县|Yudu
D|360732|兴国县|Xingguo
D|360734|寻乌县|Xunwu|R
D|360781|瑞金市|Ruijin

P|370000|山东省|Shandong|SD|north
C|370100|济南市|Jinan|济南|0531|8
D|370102|历下区|Lixia
D|370103|市中区|Shizhong
D|370104|槐荫区|Huaiyin
D|370105|天桥区|Tianqiao
D|370112|历城区|Licheng
D|370113|长清区|Changqing
D|370114|章丘区|Zhangqiu
D|370115|济阳区|Jiyang|T
D|370116|莱芜区|Laiwu
D|370124|平阴县|Pingyin
D|370126|商河县|Shanghe
C|370200|青岛市|Qingdao|青岛|0532|8
D|370202|市南区|Shinan
D|370203|市北区|Shibei
D|370211|黄岛区|Huangdao
D|370212|崂山区|Laoshan
D|370213|李沧区|Licang
D|370214|城阳区|Chengyang
D|370215|即墨区|Jimo
D|370281|胶州市|Jiaozhou
D|370283|平度市|Pingdu
D|370285|莱西市|Laixi
C|370600|烟台市|Yantai|烟台|0535|7
D|370602|芝罘区|Zhifu
D|370611|福山区|Fushan
D|370612|牟平区|Muping
D|370613|莱山区|Laishan
D|370614|蓬莱区|Penglai
D|370681|龙口市|Longkou
D|370682|莱阳市|Laiyang
D|370683|莱州市|Laizhou
D|370685|招远市|Zhaoyuan
D|370687|海阳市|Haiyang
C|371300|临沂市|Linyi|临沂|0539|7
D|371302|兰山区|Lanshan
D|371311|罗庄区|Luozhuang
D|371312|河东区|Hedong
D|371321|沂南县|Yinan
D|371322|郯城县|Tancheng
D|371323|沂水县|Yishui
D|371325|费县|Fei County
D|371326|平邑县|Pingyi
D|371328|蒙阴县|Mengyin

P|410000|河南省|Henan|HA|north
C|410100|郑州市|Zhengzhou|郑州|0371|8
D|410102|中原区|Zhongyuan
D|410103|二七区|Erqi
D|410104|管城回族区|Guancheng Hui District
D|410105|金水区|Jinshui
D|410108|惠济区|Huiji
D|410122|中牟县|Zhongmou
D|410181|巩义市|Gongyi
D|410182|荥阳市|Xingyang
D|410183|新密市|Xinmi
D|410184|新郑市|Xinzheng
D|410185|登封市|Dengfeng
C|410300|洛阳市|Luoyang|洛阳|0379|8
D|410302|老城区|Laocheng
D|410303|西工区|Xigong
D|410305|涧西区|Jianxi
D|410311|洛龙区|Luolong
D|410307|偃师区|Yanshi|T
D|410308|孟津区|Mengjin|T
D|410324|栾川县|Luanchuan
D|410325|嵩县|Song County
D|410327|宜阳县|Yiyang
D|410329|伊川县|Yichuan
C|411300|南阳市|Nanyang|南阳|0377|7
D|411302|宛城区|Wancheng
D|411303|卧龙区|Wolong
D|411321|南召县|Nanzhao
D|411323|西峡县|Xixia
D|411325|内乡县|Neixiang
D|411326|淅川县|Xichuan
D|411328|唐河县|Tanghe
D|411330|桐柏县|Tongbai
D|411381|邓州市|Dengzhou

P|420000|湖北省|Hubei|HB|east
C|420100|武汉市|Wuhan|武汉|027|8
D|420102|江岸区|Jiang'an
D|420103|江汉区|Jianghan
D|420104|硚口区|Qiaokou
D|420105|汉阳区|Hanyang
D|420106|武昌区|Wuchang
D|420107|青山区|Qingshan
D|420111|洪山区|Hongshan
D|420112|东西湖区|Dongxihu
D|420114|蔡甸区|Caidian
D|420115|江夏区|Jiangxia
D|420116|黄陂区|Huangpi
D|420117|新洲区|Xinzhou|T
C|420300|十堰市|Shiyan|十堰|0719|7
D|420302|茅箭区|Maojian
D|420303|张湾区|Zhangwan
D|420304|郧阳区|Yunyang|T
D|420322|郧西县|Yunxi
D|420323|竹山县|Zhushan
D|420324|竹溪县|Zhuxi
D|420325|房县|Fang County
D|420381|丹江口市|Danjiangkou
C|420500|宜昌市|Yichang|宜昌|0717|7
D|420502|西陵区|Xiling
D|420503|伍家岗区|Wujiagang
D|420504|点军区|Dianjun
D|420506|夷陵区|Yiling
D|420526|兴山县|Xingshan
D|420527|秭归县|Zigui
D|420528|长阳土家族自治县|Changyang Tujia Autonomous County
D|420529|五峰土家族自治县|Wufeng Tujia Autonomous County|R
D|420581|宜都市|Yidu
D|420583|枝江市|Zhijiang
C|422800|恩施土家族苗族自治州|Enshi Tujia and Miao Autonomous Prefecture|恩施|0718|7
D|422801|恩施市|Enshi|U
D|422802|利川市|Lichuan
D|422822|建始县|Jianshi
D|422823|巴东县|Badong
D|422825|宣恩县|Xuan'en|R
D|422826|咸丰县|Xianfeng
D|422827|来凤县|Laifeng
D|422828|鹤峰县|Hefeng|R

P|430000|湖南省|Hunan|HN|south
C|430100|长沙市|Changsha|长沙|0731|8
D|430102|芙蓉区|Furong
D|430103|天心区|Tianxin
D|430104|岳麓区|Yuelu
D|430105|开福区|Kaifu
D|430111|雨花区|Yuhua
D|430112|望城区|Wangcheng
D|430121|长沙县|Changsha County
D|430181|浏阳市|Liuyang
D|430182|宁乡市|Ningxiang
C|430200|株洲市|Zhuzhou|株洲|0731|8
D|430202|荷塘区|Hetang
D|430203|芦淞区|Lusong
D|430204|石峰区|Shifeng
D|430211|天元区|Tianyuan
D|430212|渌口区|Lukou|T
D|430223|攸县|You County
D|430224|茶陵县|Chaling
D|430225|炎陵县|Yanling|R
D|430281|醴陵市|Liling
C|430600|岳阳市|Yueyang|岳阳|0730|7
D|430602|岳阳楼区|Yueyanglou
D|430603|云溪区|Yunxi
D|430611|君山区|Junshan
D|430621|岳阳县|Yueyang County
D|430623|华容县|Huarong
D|430624|湘阴县|Xiangyin
D|430626|平江县|Pingjiang
D|430681|汨罗市|Miluo
D|430682|临湘市|Linxiang
C|433100|湘西土家族苗族自治州|Xiangxi Tujia and Miao Autonomous Prefecture|湘西|0743|7
D|433101|吉首市|Jishou|U
D|433122|泸溪县|Luxi
D|433123|凤凰县|Fenghuang
D|433124|花垣县|Huayuan
D|433125|保靖县|Baojing|R
D|433126|古丈县|Guzhang|R
D|433127|永顺县|Yongshun
D|433130|龙山县|Longshan|R

P|440000|广东省|Guangdong|GD|south
C|440100|广州市|Guangzhou|广州|020|8
D|440103|荔湾区|Liwan
D|440104|越秀区|Yuexiu
D|440105|海珠区|Haizhu
D|440106|天河区|Tianhe
D|440111|白云区|Baiyun
D|440112|黄埔区|Huangpu
D|440113|番禺区|Panyu
D|440114|花都区|Huadu
D|440115|南沙区|Nansha
D|440117|从化区|Conghua|T
D|440118|增城区|Zengcheng
C|440300|深圳市|Shenzhen|深圳|0755|8
D|440303|罗湖区|Luohu
D|440304|福田区|Futian
D|440305|南山区|Nanshan
D|440306|宝安区|Bao'an
D|440307|龙岗区|Longgang
D|440308|盐田区|Yantian
D|440309|龙华区|Longhua
D|440310|坪山区|Pingshan
D|440311|光明区|Guangming
C|440400|珠海市|Zhuhai|珠海|0756|7
D|440402|香洲区|Xiangzhou
D|440403|斗门区|Doumen
D|440404|金湾区|Jinwan
C|440600|佛山市|Foshan|佛山|0757|8
D|440604|禅城区|Chancheng
D|440605|南海区|Nanhai
T|狮山镇|Shishan
T|大沥镇|Dali
T|里水镇|Lishui
T|九江镇|Jiujiang
T|西樵镇|Xiqiao
T|丹灶镇|Danzao
D|440606|顺德区|Shunde
T|北滘镇|Beijiao
T|乐从镇|Lecong
T|陈村镇|Chencun
T|均安镇|Jun'an
T|杏坛镇|Xingtan
T|龙江镇|Longjiang
D|440607|三水区|Sanshui
D|440608|高明区|Gaoming
C|440800|湛江市|Zhanjiang|湛江|0759|7
D|440802|赤坎区|Chikan
D|440803|霞山区|Xiashan
D|440804|坡头区|Potou
D|440811|麻章区|Mazhang
D|440823|遂溪县|Suixi
D|440825|徐闻县|Xuwen
D|440881|廉江市|Lianjiang
D|440882|雷州市|Leizhou
D|440883|吴川市|Wuchuan
C|441400|梅州市|Meizhou|梅州|0753|7
D|441402|梅江区|Meijiang
D|441403|梅县区|Meixian|T
D|441422|大埔县|Dabu
D|441424|五华县|Wuhua
D|441426|平远县|Pingyuan
D|441427|蕉岭县|Jiaoling
D|441481|兴宁市|Xingning
C|441800|清远市|Qingyuan|清远|0763|7
D|441802|清城区|Qingcheng
D|441803|清新区|Qingxin|T
D|441823|阳山县|Yangshan
D|441825|连山壮族瑶族自治县|Lianshan Zhuang and Yao Autonomous County|R
D|441826|连南瑶族自治县|Liannan Yao Autonomous County|R
D|441881|英德市|Yingde
D|441882|连州市|Lianzhou

P|450000|广西壮族自治区|Guangxi|GX|south
C|450100|南宁市|Nanning|南宁|0771|7
D|450102|兴宁区|Xingning
D|450103|青秀区|Qingxiu
D|450105|江南区|Jiangnan
D|450107|西乡塘区|Xixiangtang
D|450108|良庆区|Liangqing
D|450109|邕宁区|Yongning|T
D|450110|武鸣区|Wuming|T
D|450123|隆安县|Long'an
D|450124|马山县|Mashan
D|450126|宾阳县|Binyang
C|450200|柳州市|Liuzhou|柳州|0772|7
D|450202|城中区|Chengzhong
D|450203|鱼峰区|Yufeng
D|450204|柳南区|Liunan
D|450205|柳北区|Liubei
D|450206|柳江区|Liujiang|T
D|450222|柳城县|Liucheng
D|450223|鹿寨县|Luzhai
D|450225|融水苗族自治县|Rongshui Miao Autonomous County|R
D|450226|三江侗族自治县|Sanjiang Dong Autonomous County|R
C|450300|桂林市|Guilin|桂林|0773|7
D|450302|秀峰区|Xiufeng
D|450303|叠彩区|Diecai
D|450304|象山区|Xiangshan
D|450305|七星区|Qixing
D|450312|临桂区|Lingui
D|450321|阳朔县|Yangshuo
D|450323|灵川县|Lingchuan
D|450325|兴安县|Xing'an
D|450328|龙胜各族自治县|Longsheng Autonomous County|R
D|450332|恭城瑶族自治县|Gongcheng Yao Autonomous County
D|450381|荔浦市|Lipu
C|451000|百色市|Baise|百色|0776|7
D|451002|右江区|Youjiang
D|451003|田阳区|Tianyang|T
D|451022|田东县|Tiandong
D|451024|德保县|Debao
D|451026|那坡县|Napo|R
D|451027|凌云县|Lingyun|R
D|451028|乐业县|Leye|R
D|451029|田林县|Tianlin|R
D|451031|隆林各族自治县|Longlin Autonomous County|R
D|451081|靖西市|Jingxi

P|460000|海南省|Hainan|HI|south
C|460100|海口市|Haikou|海口|0898|8
D|460105|秀英区|Xiuying
D|460106|龙华区|Longhua
D|460107|琼山区|Qiongshan
D|460108|美兰区|Meilan
C|460200|三亚市|Sanya|三亚|0898|8
D|460202|海棠区|Haitang
D|460203|吉阳区|Jiyang
D|460204|天涯区|Tianya
D|460205|崖州区|Yazhou|T
C|469000|省直辖县级行政区划|County-level units under the province|海南|0898|8|T
D|469001|五指山市|Wuzhishan
D|469002|琼海市|Qionghai
D|469005|文昌市|Wenchang
D|469006|万宁市|Wanning
D|469007|东方市|Dongfang
D|469025|白沙黎族自治县|Baisha Li Autonomous County|R
D|469026|昌江黎族自治县|Changjiang Li Autonomous County
D|469027|乐东黎族自治县|Ledong Li Autonomous County
D|469028|陵水黎族自治县|Lingshui Li Autonomous County
D|469029|保亭黎族苗族自治县|Baoting Li and Miao Autonomous County|R
D|469030|琼中黎族苗族自治县|Qiongzhong Li and Miao Autonomous County|R

P|500000|重庆市|Chongqing|CQ|southwest
C|500100|重庆市|Chongqing|重庆|023|8
D|500101|万州区|Wanzhou
D|500102|涪陵区|Fuling
D|500103|渝中区|Yuzhong
D|500104|大渡口区|Dadukou
D|500105|江北区|Jiangbei
D|500106|沙坪坝区|Shapingba
D|500107|九龙坡区|Jiulongpo
D|500108|南岸区|Nan'an
D|500109|北碚区|Beibei
D|500112|渝北区|Yubei
D|500113|巴南区|Banan
D|500229|城口县|Chengkou|R
D|500237|巫山县|Wushan
D|500238|巫溪县|Wuxi|R
D|500240|石柱土家族自治县|Shizhu Tujia Autonomous County
D|500242|酉阳土家族苗族自治县|Youyang Tujia and Miao Autonomous County|R
D|500243|彭水苗族土家族自治县|Pengshui Miao and Tujia Autonomous County|R

P|510000|四川省|Sichuan|SC|southwest
C|510100|成都市|Chengdu|成都|028|8
D|510104|锦江区|Jinjiang
D|510105|青羊区|Qingyang
D|510106|金牛区|Jinniu
D|510107|武侯区|Wuhou
D|510108|成华区|Chenghua
D|510112|龙泉驿区|Longquanyi
D|510113|青白江区|Qingbaijiang
D|510114|新都区|Xindu
D|510115|温江区|Wenjiang
D|510116|双流区|Shuangliu
D|510117|郫都区|Pidu
D|510118|新津区|Xinjin|T
D|510121|金堂县|Jintang
D|510129|大邑县|Dayi
D|510131|蒲江县|Pujiang
D|510181|都江堰市|Dujiangyan
D|510182|彭州市|Pengzhou
D|510183|邛崃市|Qionglai
D|510184|崇州市|Chongzhou
D|510185|简阳市|Jianyang
C|510700|绵阳市|Mianyang|绵阳|0816|7
D|510703|涪城区|Fucheng
D|510704|游仙区|Youxian
D|510705|安州区|Anzhou|T
D|510722|三台县|Santai
D|510725|梓潼县|Zitong
D|510726|北川羌族自治县|Beichuan Qiang Autonomous County|R
D|510727|平武县|Pingwu|R
D|510781|江油市|Jiangyou
C|513200|阿坝藏族羌族自治州|Ngawa Tibetan and Qiang Autonomous Prefecture|阿坝|0837|7|T
D|513201|马尔康市|Barkam
D|513221|汶川县|Wenchuan|R
D|513223|茂县|Mao County|R
D|513224|松潘县|Songpan|R
D|513225|九寨沟县|Jiuzhaigou|R
D|513231|阿坝县|Aba County|R
D|513232|若尔盖县|Ruo'ergai|R
D|513233|红原县|Hongyuan|R
C|513300|甘孜藏族自治州|Garze Tibetan Autonomous Prefecture|甘孜|0836|7|T
D|513301|康定市|Kangding
D|513322|泸定县|Luding|R
D|513323|丹巴县|Danba|R
D|513325|雅江县|Yajiang|R
D|513328|甘孜县|Ganzi County|R
D|513330|德格县|Dege|R
D|513332|石渠县|Shiqu|R
D|513334|理塘县|Litang|R
D|513335|巴塘县|Batang|R
D|513337|稻城县|Daocheng|R
C|513400|凉山彝族自治州|Liangshan Yi Autonomous Prefecture|凉山|0834|7
D|513401|西昌市|Xichang|U
D|513402|会理市|Huili
D|513422|木里藏族自治县|Muli Tibetan Autonomous County|R
D|513423|盐源县|Yanyuan|R
D|513424|德昌县|Dechang
D|513429|布拖县|Butuo|R
D|513430|金阳县|Jinyang|R
D|513431|昭觉县|Zhaojue|R
D|513433|冕宁县|Mianning
D|513436|美姑县|Meigu|R
D|513437|雷波县|Leibo|R

P|520000|贵州省|Guizhou|GZ|southwest
C|520100|贵阳市|Guiyang|贵阳|0851|8
D|520102|南明区|Nanming
D|520103|云岩区|Yunyan
D|520111|花溪区|Huaxi
D|520112|乌当区|Wudang
D|520113|白云区|Baiyun
D|520115|观山湖区|Guanshanhu
D|520121|开阳县|Kaiyang
D|520122|息烽县|Xifeng
D|520123|修文县|Xiuwen
D|520181|清镇市|Qingzhen
C|520300|遵义市|Zunyi|遵义|0851|8
D|520302|红花岗区|Honghuagang
D|520303|汇川区|Huichuan
D|520304|播州区|Bozhou|T
D|520322|桐梓县|Tongzi
D|520324|正安县|Zheng'an
D|520326|务川仡佬族苗族自治县|Wuchuan Gelao and Miao Autonomous County|R
D|520328|湄潭县|Meitan
D|520330|习水县|Xishui
D|520381|赤水市|Chishui
D|520382|仁怀市|Renhuai
C|522600|黔东南苗族侗族自治州|Qiandongnan Miao and Dong Autonomous Prefecture|黔东南|0855|7
D|522601|凯里市|Kaili|U
D|522622|黄平县|Huangping
D|522625|镇远县|Zhenyuan
D|522631|黎平县|Liping|R
D|522632|榕江县|Rongjiang|R
D|522633|从江县|Congjiang|R
D|522634|雷山县|Leishan|R
D|522636|丹寨县|Danzhai

P|530000|云南省|Yunnan|YN|southwest
C|530100|昆明市|Kunming|昆明|0871|8
D|530102|五华区|Wuhua
D|530103|盘龙区|Panlong
D|530111|官渡区|Guandu
D|530112|西山区|Xishan
D|530113|东川区|Dongchuan|T
D|530114|呈贡区|Chenggong
D|530115|晋宁区|Jinning|T
D|530125|宜良县|Yiliang
D|530126|石林彝族自治县|Shilin Yi Autonomous County
D|530128|禄劝彝族苗族自治县|Luquan Yi and Miao Autonomous County|R
D|530181|安宁市|Anning
C|530700|丽江市|Lijiang|丽江|0888|7
D|530702|古城区|Gucheng
D|530721|玉龙纳西族自治县|Yulong Naxi Autonomous County
D|530722|永胜县|Yongsheng|R
D|530723|华坪县|Huaping
D|530724|宁蒗彝族自治县|Ninglang Yi Autonomous County|R
C|532500|红河哈尼族彝族自治州|Honghe Hani and Yi Autonomous Prefecture|红河|0873|7
D|532501|个旧市|Gejiu
D|532502|开远市|Kaiyuan
D|532503|蒙自市|Mengzi|U
D|532504|弥勒市|Mile
D|532524|建水县|Jianshui
D|532528|元阳县|Yuanyang|R
D|532529|红河县|Honghe County|R
D|532530|金平苗族瑶族傣族自治县|Jinping Miao, Yao and Dai Autonomous County|R
D|532531|绿春县|Lüchun|R
D|532532|河口瑶族自治县|Hekou Yao Autonomous County
C|532800|西双版纳傣族自治州|Xishuangbanna Dai Autonomous Prefecture|西双版纳|0691|7
D|532801|景洪市|Jinghong|U
D|532822|勐海县|Menghai
D|532823|勐腊县|Mengla|R
C|532900|大理白族自治州|Dali Bai Autonomous Prefecture|大理|0872|7
D|532901|大理市|Dali|U
T|喜洲镇|Xizhou
D|532923|祥云县|Xiangyun
D|532924|宾川县|Binchuan
D|532927|巍山彝族回族自治县|Weishan Yi and Hui Autonomous County
D|532929|云龙县|Yunlong|R
D|532930|洱源县|Eryuan
D|532931|剑川县|Jianchuan
D|532932|鹤庆县|Heqing
C|533300|怒江傈僳族自治州|Nujiang Lisu Autonomous Prefecture|怒江|0886|7|T
D|533301|泸水市|Lushui
D|533323|福贡县|Fugong|R
D|533324|贡山独龙族怒族自治县|Gongshan Derung and Nu Autonomous County|R
D|533325|兰坪白族普米族自治县|Lanping Bai and Pumi Autonomous County|R
C|533400|迪庆藏族自治州|Diqing Tibetan Autonomous Prefecture|迪庆|0887|7|T
D|533401|香格里拉市|Shangri-La
D|533422|德钦县|Deqin|R
D|533423|维西傈僳族自治县|Weixi Lisu Autonomous County|R

P|540000|西藏自治区|Tibet|XZ|southwest
C|540100|拉萨市|Lhasa|拉萨|0891|7
D|540102|城关区|Chengguan
D|540103|堆龙德庆区|Duilongdeqing|T
D|540104|达孜区|Dazi|T
D|540121|林周县|Linzhou|R
D|540122|当雄县|Dangxiong|R
D|540124|曲水县|Qushui|R
D|540127|墨竹工卡县|Mozhugongka|R
C|540200|日喀则市|Shigatse|日喀则|0892|7|T
D|540202|桑珠孜区|Sangzhuzi|T
D|540222|江孜县|Gyantse|R
D|540223|定日县|Tingri|R
D|540224|萨迦县|Sakya|R
D|540225|拉孜县|Lazi|R
C|540300|昌都市|Qamdo|昌都|0895|7|T
D|540302|卡若区|Karuo|T
D|540321|江达县|Jiangda|R
D|540322|贡觉县|Gongjue|R
D|540326|八宿县|Basu|R
D|540328|芒康县|Mangkang|R
C|540400|林芝市|Nyingchi|林芝|0894|7|T
D|540402|巴宜区|Bayi|T
D|540421|工布江达县|Gongbujiangda|R
D|540423|墨脱县|Medog|R
D|540424|波密县|Bomi|R
D|540425|察隅县|Chayu|R
D|540426|朗县|Lang County|R
C|540500|山南市|Shannan|山南|0893|7|T
D|540502|乃东区|Naidong|T
D|540521|扎囊县|Zhanang|R
D|540522|贡嘎县|Gongga|R
D|540524|琼结县|Qiongjie|R
D|540529|隆子县|Longzi|R
C|540600|那曲市|Nagqu|那曲|0896|7|R
D|540602|色尼区|Seni|T
D|540621|嘉黎县|Jiali|R
D|540622|比如县|Biru|R
D|540624|安多县|Anduo|R
D|540626|索县|Suo County|R
D|540630|双湖县|Shuanghu|R
C|542500|阿里地区|Ngari Prefecture|阿里|0897|7|R
D|542521|普兰县|Purang|R
D|542522|札达县|Zanda|R
D|542523|噶尔县|Gar County|T
D|542524|日土县|Rutog|R
D|542526|改则县|Gaize|R

P|610000|陕西省|Shaanxi|SN|northwest
C|610100|西安市|Xi'an|西安|029|8
D|610102|新城区|Xincheng
D|610103|碑林区|Beilin
D|610104|莲湖区|Lianhu
D|610111|灞桥区|Baqiao
D|610112|未央区|Weiyang
D|610113|雁塔区|Yanta
D|610114|阎良区|Yanliang
D|610115|临潼区|Lintong
D|610116|长安区|Chang'an
D|610117|高陵区|Gaoling
D|610118|鄠邑区|Huyi|T
D|610122|蓝田县|Lantian
D|610124|周至县|Zhouzhi
C|610300|宝鸡市|Baoji|宝鸡|0917|7
D|610302|渭滨区|Weibin
D|610303|金台区|Jintai
D|610304|陈仓区|Chencang
D|610323|岐山县|Qishan
D|610324|扶风县|Fufeng
D|610326|眉县|Mei County
D|610330|凤县|Feng County
D|610331|太白县|Taibai|R
C|610600|延安市|Yan'an|延安|0911|7
D|610602|宝塔区|Baota
D|610603|安塞区|Ansai|T
D|610625|志丹县|Zhidan
D|610626|吴起县|Wuqi
D|610629|洛川县|Luochuan
D|610632|黄陵县|Huangling
D|610681|子长市|Zichang
C|610700|汉中市|Hanzhong|汉中|0916|7
D|610702|汉台区|Hantai
D|610703|南郑区|Nanzheng|T
D|610722|城固县|Chenggu
D|610723|洋县|Yang County
D|610725|勉县|Mian County
D|610726|宁强县|Ningqiang
D|610728|镇巴县|Zhenba|R
D|610730|佛坪县|Foping|R
C|610800|榆林市|Yulin|榆林|0912|7
D|610802|榆阳区|Yuyang
D|610803|横山区|Hengshan|T
D|610822|府谷县|Fugu
D|610824|靖边县|Jingbian
D|610825|定边县|Dingbian|R
D|610826|绥德县|Suide
D|610827|米脂县|Mizhi
D|610828|佳县|Jia County|R
D|610881|神木市|Shenmu

P|620000|甘肃省|Gansu|GS|northwest
C|620100|兰州市|Lanzhou|兰州|0931|7
D|620102|城关区|Chengguan
D|620103|七里河区|Qilihe
D|620104|西固区|Xigu
D|620105|安宁区|Anning
D|620111|红古区|Honggu|T
D|620121|永登县|Yongdeng
D|620122|皋兰县|Gaolan
D|620123|榆中县|Yuzhong
C|620500|天水市|Tianshui|天水|0938|7
D|620502|秦州区|Qinzhou
D|620503|麦积区|Maiji
D|620521|清水县|Qingshui
D|620522|秦安县|Qin'an
D|620523|甘谷县|Gangu
D|620524|武山县|Wushan
D|620525|张家川回族自治县|Zhangjiachuan Hui Autonomous County|R
C|620900|酒泉市|Jiuquan|酒泉|0937|7
D|620902|肃州区|Suzhou
D|620921|金塔县|Jinta
D|620922|瓜州县|Guazhou|R
D|620923|肃北蒙古族自治县|Subei Mongol Autonomous County|R
D|620924|阿克塞哈萨克族自治县|Aksay Kazakh Autonomous County|R
D|620981|玉门市|Yumen
D|620982|敦煌市|Dunhuang
C|623000|甘南藏族自治州|Gannan Tibetan Autonomous Prefecture|甘南|0941|7|T
D|623001|合作市|Hezuo
D|623021|临潭县|Lintan|R
D|623022|卓尼县|Zhuoni|R
D|623023|舟曲县|Zhouqu|R
D|623024|迭部县|Diebu|R
D|623025|玛曲县|Maqu|R
D|623026|碌曲县|Luqu|R
D|623027|夏河县|Xiahe|R

P|630000|青海省|Qinghai|QH|northwest
C|630100|西宁市|Xining|西宁|0971|7
D|630102|城东区|Chengdong
D|630103|城中区|Chengzhong
D|630104|城西区|Chengxi
D|630105|城北区|Chengbei
D|630106|湟中区|Huangzhong|T
D|630121|大通回族土族自治县|Datong Hui and Tu Autonomous County
D|630123|湟源县|Huangyuan
C|630200|海东市|Haidong|海东|0972|7|T
D|630202|乐都区|Ledu|T
D|630203|平安区|Ping'an|T
D|630222|民和回族土族自治县|Minhe Hui and Tu Autonomous County
D|630223|互助土族自治县|Huzhu Tu Autonomous County
D|630224|化隆回族自治县|Hualong Hui Autonomous County|R
D|630225|循化撒拉族自治县|Xunhua Salar Autonomous County|R
C|632600|果洛藏族自治州|Golog Tibetan Autonomous Prefecture|果洛|0975|7|R
D|632621|玛沁县|Maqin|R
D|632622|班玛县|Banma|R
D|632623|甘德县|Gande|R
D|632624|达日县|Dari|R
D|632625|久治县|Jiuzhi|R
D|632626|玛多县|Maduo|R
C|632700|玉树藏族自治州|Yushu Tibetan Autonomous Prefecture|玉树|0976|7|R
D|632701|玉树市|Yushu|T
D|632722|杂多县|Zaduo|R
D|632723|称多县|Chenduo|R
D|632724|治多县|Zhiduo|R
D|632725|囊谦县|Nangqian|R
D|632726|曲麻莱县|Qumalai|R
C|632800|海西蒙古族藏族自治州|Haixi Mongol and Tibetan Autonomous Prefecture|海西|0977|7|T
D|632801|格尔木市|Golmud
D|632802|德令哈市|Delingha
D|632803|茫崖市|Mangya|R
D|632821|乌兰县|Wulan|R
D|632822|都兰县|Dulan|R
D|632823|天峻县|Tianjun|R

P|640000|宁夏回族自治区|Ningxia|NX|northwest
C|640100|银川市|Yinchuan|银川|0951|7
D|640104|兴庆区|Xingqing
D|640105|西夏区|Xixia
D|640106|金凤区|Jinfeng
D|640121|永宁县|Yongning
D|640122|贺兰县|Helan
D|640181|灵武市|Lingwu
C|640400|固原市|Guyuan|固原|0954|7
D|640402|原州区|Yuanzhou
D|640422|西吉县|Xiji|R
D|640423|隆德县|Longde
D|640424|泾源县|Jingyuan|R
D|640425|彭阳县|Pengyang

P|650000|新疆维吾尔自治区|Xinjiang|XJ|northwest
C|650100|乌鲁木齐市|Urumqi|乌鲁木齐|0991|7
D|650102|天山区|Tianshan
D|650103|沙依巴克区|Saybagh
D|650104|新市区|Xinshi
D|650105|水磨沟区|Shuimogou
D|650106|头屯河区|Toutunhe
D|650107|达坂城区|Dabancheng|T
D|650109|米东区|Midong
D|650121|乌鲁木齐县|Urumqi County
C|650200|克拉玛依市|Karamay|克拉玛依|0990|7
D|650202|独山子区|Dushanzi
D|650203|克拉玛依区|Karamay District
D|650204|白碱滩区|Baijiantan
D|650205|乌尔禾区|Wuerhe|R
C|650400|吐鲁番市|Turpan|吐鲁番|0995|7
D|650402|高昌区|Gaochang
D|650421|鄯善县|Shanshan|R
D|650422|托克逊县|Tuokexun|R
C|650500|哈密市|Hami|哈密|0902|7
D|650502|伊州区|Yizhou
D|650521|巴里坤哈萨克自治县|Barkol Kazakh Autonomous County|R
D|650522|伊吾县|Yiwu|R
C|652800|巴音郭楞蒙古自治州|Bayingolin Mongol Autonomous Prefecture|巴音郭楞|0996|7
D|652801|库尔勒市|Korla|U
D|652822|轮台县|Luntai|R
D|652823|尉犁县|Yuli|R
D|652824|若羌县|Ruoqiang|R
D|652825|且末县|Qiemo|R
D|652826|焉耆回族自治县|Yanqi Hui Autonomous County
D|652827|和静县|Hejing|R
C|652900|阿克苏地区|Aksu Prefecture|阿克苏|0997|7
D|652901|阿克苏市|Aksu|U
D|652902|库车市|Kuqa
D|652922|温宿县|Wensu|R
D|652924|沙雅县|Shaya|R
D|652926|拜城县|Baicheng|R
D|652929|柯坪县|Keping|R
C|653100|喀什地区|Kashgar Prefecture|喀什|0998|7
D|653101|喀什市|Kashgar|U
D|653121|疏附县|Shufu
D|653122|疏勒县|Shule
D|653125|莎车县|Shache|R
D|653126|叶城县|Yecheng|R
D|653129|伽师县|Jiashi|R
D|653130|巴楚县|Bachu|R
D|653131|塔什库尔干塔吉克自治县|Taxkorgan Tajik Autonomous County|R
C|653200|和田地区|Hotan Prefecture|和田|0903|7|T
D|653201|和田市|Hotan
D|653221|和田县|Hotan County|R
D|653222|墨玉县|Moyu|R
D|653223|皮山县|Pishan|R
D|653224|洛浦县|Luopu|R
D|653225|策勒县|Cele|R
D|653226|于田县|Yutian|R
D|653227|民丰县|Minfeng|R
C|654000|伊犁哈萨克自治州|Ili Kazakh Autonomous Prefecture|伊犁|0999|7
D|654002|伊宁市|Yining|U
D|654003|奎屯市|Kuytun
D|654004|霍尔果斯市|Khorgos
D|654021|伊宁县|Yining County|R
D|654022|察布查尔锡伯自治县|Qapqal Xibe Autonomous County|R
D|654023|霍城县|Huocheng|R
D|654025|新源县|Xinyuan|R
D|654026|昭苏县|Zhaosu|R
D|654027|特克斯县|Tekes|R
C|654300|阿勒泰地区|Altay Prefecture|阿勒泰|0906|7|T
D|654301|阿勒泰市|Altay
D|654321|布尔津县|Burqin|R
D|654322|富蕴县|Fuyun|R
D|654323|福海县|Fuhai|R
D|654324|哈巴河县|Habahe|R
D|654325|青河县|Qinghe|R
D|654326|吉木乃县|Jimunai|R
"#;
